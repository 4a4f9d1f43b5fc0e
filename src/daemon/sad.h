/* CHILD_SAs as SAD and SPD operations (sad.c), for struct ike_ops. */
#ifndef MOAT_SAD_H
#define MOAT_SAD_H

#include <stdbool.h>

#include "ike.h"

/* arg is the struct moatd. */
int  sad_child_add(void *arg, const struct ike_child_sa *);
void sad_child_del(void *arg, const struct ike_child_sa *, bool keep_policy);

#endif
