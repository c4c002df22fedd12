# What emml's apps need to build as Zephyr applications: their model C
# (emml_model(), see emml_model.cmake) and the board interface they are
# written against (boards/common/board.h), implemented on Zephyr.
#
#   include(<emml>/zephyr/cmake/emml_app.cmake)
#   emml_model(APP har ARTIFACT ...)
#   emml_app_board(app)

include(${CMAKE_CURRENT_LIST_DIR}/emml_model.cmake)

# board.h over Zephyr's UART API and kernel, plus the printf-free console
# helpers every board shares (boards/common/console.c).
function(emml_app_board target)
  target_sources(${target} PRIVATE
    ${EMML_ROOT_DIR}/zephyr/app_support/board_zephyr.c
    ${EMML_ROOT_DIR}/boards/common/console.c)
  target_include_directories(${target} PRIVATE ${EMML_ROOT_DIR}/boards/common)
endfunction()
