#ifndef RADD_CSQLCIPHER_SHIM_H
#define RADD_CSQLCIPHER_SHIM_H
// SQLITE_HAS_CODEC exposes sqlite3_key/sqlite3_rekey. The header is included by its full path so
// that a plain /usr/include/sqlite3.h can never be picked up instead.
#define SQLITE_HAS_CODEC 1
#include <sqlcipher/sqlite3.h>

// SQLITE_TRANSIENT is a cast of -1 to a function pointer, which Swift cannot import.
static inline void (*radd_sqlite_transient(void))(void *) { return SQLITE_TRANSIENT; }
#endif
