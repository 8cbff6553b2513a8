// Boost.URL is used header-only (Debian ships its headers but no libboost_url): its sources
// are compiled once, here, and nowhere else.
#include <boost/url/src.hpp>
