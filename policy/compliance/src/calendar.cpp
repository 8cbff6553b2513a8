#include "accord/compliance/calendar.hpp"

// Written by the part that owns this file (issue 15).
