#include "accord/compliance/clocks.hpp"

// Written by the part that owns this file (issue 15).
