#include "accord/compliance/facts.hpp"

// Written by the part that owns this file (issue 15).
