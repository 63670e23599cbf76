/* Reading every field of the typed Bot API views, with the invariants
 * their header promises (shared by the update, entity and command targets). */
#ifndef BH_FUZZ_VIEWS_H
#define BH_FUZZ_VIEWS_H

#include "bothive/telegram.h"

void bh_fuzz_walk_user(const bh_user *u);
void bh_fuzz_walk_message(const bh_message *m);
void bh_fuzz_walk_update(const bh_update *u);

#endif
