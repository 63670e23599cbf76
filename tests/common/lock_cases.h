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

/* For the reclamation cases, also set by the suite: how many lock records
 * the store holds now (the embedded store's lock count; for redis://, the
 * keys in its database, which is what a lock's records are there), how many
 * idle ones it may keep for reuse, and how many distinct names a churn
 * acquires and releases in turn. */
extern long long (*bh_lock_cases_records)(void);
extern long long bh_lock_cases_idle_max;
extern int bh_lock_cases_names;

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
