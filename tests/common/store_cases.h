/*
 * The store interface's semantics as shared test cases (store_cases.c).
 */
#ifndef BH_STORE_CASES_H
#define BH_STORE_CASES_H

#include <check.h>

#include "bothive/bothive.h"

/* The memory the cases work on, and its store: set by the suite's fixture. */
extern bh_shared *bh_cases_m;
extern bh_store *bh_cases_st;

/* Adds every shared case to tc. */
void bh_store_cases_add(TCase *tc);

#endif
