/*
 * Named-lock semantics as shared test cases (lock_cases.c).
 */
#ifndef BH_LOCK_CASES_H
#define BH_LOCK_CASES_H

#include <check.h>
#include <sys/types.h>

#include "bothive/bothive.h"

extern bh_store *bh_cases_lst; /* the store and memory the cases use */
extern bh_shared *bh_cases_lm;
extern int bh_lock_cases_rounds; /* hand-offs per process in the exclusion case */

/* A child that takes the lock, signals, and holds it for hold_ms (for ever
 * if negative, until killed). */
pid_t bh_lock_cases_holder(const char *name, int hold_ms);

void bh_lock_cases_add(TCase *tc);

#endif
