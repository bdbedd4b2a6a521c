-- A time zone setting PostgreSQL does not know (such as "Local", which updateSettings accepted
-- before it checked zones against PostgreSQL) made every request of a user with a profile expiry
-- date fail: the principal query compares days in that zone. Such a stored value is removed, so the
-- server's configured zone (CASEGATE_TIME_ZONE) applies again; updateSettings now refuses it.
DELETE FROM settings
WHERE key = 'timeZone'
  AND (jsonb_typeof(value) <> 'string'
       OR NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = value #>> '{}'));
