/* emml/emml.h - include this to get the whole emml runtime. */
#ifndef EMML_EMML_H
#define EMML_EMML_H

#include "emml/config.h"
#include "emml/status.h"
#include "emml/port.h"

#endif /* EMML_EMML_H */
