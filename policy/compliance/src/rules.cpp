#include "accord/compliance/rules.hpp"

// Written by the part that owns this file (issue 15).
