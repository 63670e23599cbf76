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

/* A child that takes the lock through bh_cases_lm; returns once it holds
 * it. With let_go NULL it holds it until killed. Otherwise *let_go is set
 * to a descriptor for bh_lock_cases_let_go: the child holds the lock until
 * then (not for a time, which a slow machine could outlast), releases it
 * and exits 0 (3 if the release failed). */
pid_t bh_lock_cases_holder(const char *name, int *let_go);
/* Tells the holder started with let_go to release its lock. */
void bh_lock_cases_let_go(int let_go);

void bh_lock_cases_add(TCase *tc);

#endif
