#include "scheduler/sched_reserve.h"
