// Package sqlstore holds what certsum's SQL backends share that does not depend on the SQL
// dialect: today the one table that turns a classified driver failure into a certsum error,
// so that both backends answer the same code for the same fault. Each backend keeps only its
// driver glue, migrations, dialect SQL and what is truly its own (the SQLite wal-index, the
// PostgreSQL advisory locks and COPY).
package sqlstore
