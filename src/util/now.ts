/** The current time as ISO-8601 text: how every table stores times (SQLite and PostgreSQL alike). */
export const nowIso = () => new Date().toISOString();
