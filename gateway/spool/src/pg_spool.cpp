// SCAFFOLD (session 6): replaced by the PostgreSQL backend before this lands.
#include "accord/spool/pg_spool.hpp"

namespace accord::spool {

Result<std::unique_ptr<Spool>> open_pg_spool(const PgSpoolOptions&) {
  return make_error("storage_unavailable", "the postgresql backend is not built yet");
}

}  // namespace accord::spool
