/*
 * Preparer semantics as shared test cases (prepare_cases.c).
 */
#ifndef BH_PREPARE_CASES_H
#define BH_PREPARE_CASES_H

#include <check.h>

#include "bothive/bothive.h"

extern bh_store *bh_cases_pst; /* the store and memory the cases use */
extern bh_shared *bh_cases_pm;
extern int bh_prep_cases_step_us; /* pause between the racing preparer's writes */

/* A preparer that counts its runs in the key "runs" of its own memory. */
int bh_prep_cases_counting(bh_shared *m, void *arg);

/* Forks a process whose preparer of m writes the key "half" and then hangs
 * for ever; returns its pid once the preparer is inside. */
pid_t bh_prep_cases_hanging(bh_shared *m);

void bh_prep_cases_add(TCase *tc);

#endif
