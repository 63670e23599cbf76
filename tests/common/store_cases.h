/*
 * The store interface's semantics as shared test cases (store_cases.c).
 */
#ifndef BH_STORE_CASES_H
#define BH_STORE_CASES_H

#include <check.h>

#include "bothive/bothive.h"

/* The memory the cases work on: set by the suite's fixture. */
extern bh_shared *bh_cases_m;

/* Adds every shared case to tc. */
void bh_store_cases_add(TCase *tc);

#endif
