-- Nothing to restore: the removed value was one no request could use.
SELECT 1;
