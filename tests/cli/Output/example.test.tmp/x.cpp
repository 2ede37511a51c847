#include "albert.h"
