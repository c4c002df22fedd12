# emml_model(): an app's model C, generated from its training artifact and
# regenerated at build time whenever the artifact changes: the CMake
# counterpart of scripts/pio_regen_model.py (both call emml.prebuild).
#
#   include(<emml>/zephyr/cmake/emml_model.cmake)
#   emml_model(APP har ARTIFACT ${CMAKE_CURRENT_SOURCE_DIR}/model/har_model.joblib)
#
#   APP       a key of emml.prebuild.GENERATORS (har, kws)
#   ARTIFACT  the training artifact; a retrain (a new artifact) regenerates the C
#             (the apps take it from the cache variable EMML_<APP>_ARTIFACT)
#   TARGET    the target that compiles the C (default: app, Zephyr's app target)
#   OUT_DIR   where the C goes (default: <build>/emml_<APP>)
#   DEPENDS   other files the generator reads (e.g. the .tflite next to kws.json)
#
# The Python that runs the generator: -DEMML_PYTHON=<python> (or the
# EMML_PYTHON environment variable), else <emml>/.venv/bin/python (the
# README's set-up), else the Python the Zephyr build uses (Python3_EXECUTABLE).
# If that Python cannot import emml, the C that `emml <app> train` wrote next
# to the artifact (<artifact dir>/generated/) is used when its stamp names this
# very artifact; otherwise configuring stops and says what to do.

get_filename_component(EMML_ROOT_DIR "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)

function(_emml_python out_var)
  if(EMML_PYTHON)
    set(python "${EMML_PYTHON}")
  elseif(DEFINED ENV{EMML_PYTHON})
    set(python "$ENV{EMML_PYTHON}")
  elseif(EXISTS "${EMML_ROOT_DIR}/.venv/bin/python")
    set(python "${EMML_ROOT_DIR}/.venv/bin/python")
  elseif(EXISTS "${EMML_ROOT_DIR}/.venv/Scripts/python.exe")
    set(python "${EMML_ROOT_DIR}/.venv/Scripts/python.exe")
  elseif(Python3_EXECUTABLE)
    set(python "${Python3_EXECUTABLE}")
  else()
    find_program(python NAMES python3 python)
    if(NOT python)
      message(FATAL_ERROR "emml: no Python found to generate the model C; configure with -DEMML_PYTHON=<python with emml>")
    endif()
  endif()
  set(${out_var} "${python}" PARENT_SCOPE)
endfunction()

# The generated files named in a stamp (.emml-stamp.json), as absolute paths.
function(_emml_stamp_files stamp_file out_var)
  file(READ "${stamp_file}" stamp)
  string(JSON count ERROR_VARIABLE json_error LENGTH "${stamp}" files)
  if(json_error OR count EQUAL 0)
    message(FATAL_ERROR "emml: ${stamp_file} lists no generated files (${json_error}); delete it and build again")
  endif()
  get_filename_component(dir "${stamp_file}" DIRECTORY)
  set(files)
  math(EXPR last "${count} - 1")
  foreach(i RANGE ${last})
    string(JSON name GET "${stamp}" files ${i})
    list(APPEND files "${dir}/${name}")
  endforeach()
  set(${out_var} "${files}" PARENT_SCOPE)
endfunction()

function(emml_model)
  cmake_parse_arguments(EMML "" "APP;ARTIFACT;TARGET;OUT_DIR" "DEPENDS" ${ARGN})
  if(NOT EMML_APP OR NOT EMML_ARTIFACT)
    message(FATAL_ERROR "emml_model() needs APP <name> and ARTIFACT <training artifact>")
  endif()
  if(NOT EMML_TARGET)
    set(EMML_TARGET app)
  endif()
  if(NOT EMML_OUT_DIR)
    set(EMML_OUT_DIR "${CMAKE_BINARY_DIR}/emml_${EMML_APP}")
  endif()
  get_filename_component(artifact "${EMML_ARTIFACT}" ABSOLUTE)
  if(NOT EXISTS "${artifact}")
    string(TOUPPER "${EMML_APP}" app_upper)
    message(FATAL_ERROR "emml: ${EMML_APP}: training artifact ${artifact} not found; train one "
      "(emml ${EMML_APP} train ... --out <folder>) or point the build at it "
      "(-DEMML_${app_upper}_ARTIFACT=<path>)")
  endif()
  _emml_python(python)
  set(regen "${EMML_ROOT_DIR}/zephyr/cmake/regen_model.py")

  # Once now, so the headers exist and the stamp names the files to compile.
  execute_process(
    COMMAND "${python}" "${regen}" ${EMML_APP} "${artifact}" "${EMML_OUT_DIR}"
    RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err
    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_STRIP_TRAILING_WHITESPACE)

  if(status EQUAL 0)
    message(STATUS "${out}")
    set(stamp "${EMML_OUT_DIR}/.emml-stamp.json")
    _emml_stamp_files("${stamp}" generated)
    # At build time, again whenever the artifact (or what the generator
    # reads) is newer: a retrain followed by `west build` builds the new
    # model. --force because DEPENDS may have changed while the artifact
    # did not; the C files are byproducts, so with Ninja only those whose
    # text changed are recompiled.
    add_custom_command(
      OUTPUT "${stamp}"
      BYPRODUCTS ${generated}
      COMMAND "${python}" "${regen}" --force ${EMML_APP} "${artifact}" "${EMML_OUT_DIR}"
      COMMAND "${CMAKE_COMMAND}" -E touch "${stamp}"
      DEPENDS "${artifact}" ${EMML_DEPENDS} "${regen}"
      COMMENT "emml: regenerating the ${EMML_APP} model C from ${artifact}"
      VERBATIM)
    set(gen_dir "${EMML_OUT_DIR}")
    set(extra_sources "${stamp}")
  elseif(status EQUAL 3)
    # No emml in this Python: the committed copy, if it belongs to this artifact.
    get_filename_component(artifact_dir "${artifact}" DIRECTORY)
    set(gen_dir "${artifact_dir}/generated")
    set(stamp "${gen_dir}/.emml-stamp.json")
    file(SHA256 "${artifact}" artifact_sha)
    set(committed_sha "")
    if(EXISTS "${stamp}")
      file(READ "${stamp}" stamp_text)
      string(JSON committed_sha ERROR_VARIABLE json_error GET "${stamp_text}" artifact_sha256)
    endif()
    if(NOT committed_sha STREQUAL artifact_sha)
      message(FATAL_ERROR "${err}\nemml: and ${gen_dir} was not generated from ${artifact}, so there is no C "
        "for this model: run the build with a Python that has emml, or `emml ${EMML_APP} train` again.")
    endif()
    message(WARNING "${err}\nemml: using the committed ${gen_dir} (it matches ${artifact}); "
      "a retrained artifact needs emml in the build's Python.")
    _emml_stamp_files("${stamp}" generated)
    # A new artifact re-runs CMake, which then checks the stamp again.
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${artifact}")
    set(extra_sources "")
  else()
    message(FATAL_ERROR "${err}")
  endif()

  set(c_sources ${generated})
  list(FILTER c_sources INCLUDE REGEX "\\.c$")
  target_sources(${EMML_TARGET} PRIVATE ${c_sources} ${extra_sources})
  target_include_directories(${EMML_TARGET} PRIVATE "${gen_dir}")
  set(EMML_${EMML_APP}_GENERATED_DIR "${gen_dir}" PARENT_SCOPE)
endfunction()
