/*
 * The header every .c file of libsanshe includes first: feature macros,
 * standard types, and the modules every other one uses (errors, buffers,
 * translation).
 */
#ifndef SANSHE_COMMON_H
#define SANSHE_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "buf.h"
#include "i18n.h"

#define SANSHE_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
