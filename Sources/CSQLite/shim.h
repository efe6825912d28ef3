// Debian's libsqlite3-dev: the system SQLite the durable store is built on.
#include <sqlite3.h>
