#include "accord/compliance/report.hpp"

// Written by the part that owns this file (issue 15).
