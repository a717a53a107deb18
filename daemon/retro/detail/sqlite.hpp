// The retro uses the shared SQLite wrappers (daemon/sqlite).
#pragma once

#include "sqlite/sqlite.hpp"

namespace fw::retro::detail {
using sqlite::Db;
using sqlite::Stmt;
using sqlite::StmtUse;
}  // namespace fw::retro::detail
