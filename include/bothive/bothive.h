/*
 * bothive: Telegram bots on many worker processes, with a shared-memory
 * store. This header includes every public header.
 */
#ifndef BOTHIVE_H
#define BOTHIVE_H

#include "version.h"
#include "error.h"
#include "store.h"
#include "log.h"
#include "telegram.h"
#include "bot.h"
#include "conversation.h"
#include "runner.h"
#include "schedule.h"

#endif
