-- A sqlite3 workload, run under each allocator by bench/run.py as
--   sqlite3 :memory: ".read <this file with @N@ replaced by the row count>"
--
-- What it models: an application database doing its ordinary work: a table
-- filled from a recursive CTE (no randomness: every value is arithmetic on
-- the row number), secondary indexes, aggregate, join, window and text
-- queries, then updates and deletes. The database is in memory, so there is
-- no disk I/O; SQLite takes its page cache, its parse trees, its sorter
-- and its row buffers from malloc, in sizes from a few bytes to page-cache
-- blocks, which makes it a fair real-program test of an allocator.
-- The output (a few aggregate rows) is the checksum.

PRAGMA cache_size = -65536;

CREATE TABLE item(
  id INTEGER PRIMARY KEY,
  grp INTEGER NOT NULL,
  qty INTEGER NOT NULL,
  price REAL NOT NULL,
  name TEXT NOT NULL,
  note TEXT
);

WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < @N@)
INSERT INTO item(id, grp, qty, price, name, note)
SELECT x,
       (x * 7919) % 997,
       (x * 104729) % 1000,
       ((x * 15485863) % 100000) / 100.0,
       printf('item-%06d-%s', (x * 31337) % 1000003, substr('abcdefghijklmnopqrstuvwxyz', 1 + x % 26, 1 + x % 7)),
       CASE WHEN x % 5 = 0 THEN NULL ELSE printf('%.*c', 20 + x % 180, 'n') END
FROM seq;

CREATE INDEX item_grp ON item(grp, qty);
CREATE INDEX item_name ON item(name);

CREATE TABLE grp_info AS
WITH RECURSIVE g(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM g WHERE x < 996)
SELECT x AS grp, printf('group %d', x) AS label, x % 13 AS region FROM g;

SELECT 'count', count(*), sum(qty), round(sum(price), 2) FROM item;

SELECT 'per-region', region, count(*), round(avg(price), 4), max(name)
FROM item JOIN grp_info USING (grp)
GROUP BY region ORDER BY region;

SELECT 'top-groups', grp, total FROM (
  SELECT grp, sum(qty * price) AS total FROM item GROUP BY grp
) ORDER BY total DESC, grp LIMIT 5;

SELECT 'window', sum(rk), max(running) FROM (
  SELECT rank() OVER (PARTITION BY grp ORDER BY price DESC, id) AS rk,
         sum(qty) OVER (PARTITION BY grp ORDER BY id) AS running
  FROM item WHERE id % 3 = 0
);

SELECT 'text', count(*), sum(length(note)), count(DISTINCT substr(name, 13))
FROM item WHERE name LIKE 'item-0%' OR note GLOB '*nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn*';

SELECT 'sorted', group_concat(id, ',') FROM (
  SELECT id FROM item ORDER BY name DESC, id LIMIT 20
);

UPDATE item SET note = coalesce(note, '') || printf('-%d', qty), price = price * 1.1
WHERE grp % 4 = 1;
DELETE FROM item WHERE qty < 100;

SELECT 'after', count(*), round(sum(price), 2), sum(length(note)) FROM item;

SELECT 'distinct', count(*) FROM (SELECT DISTINCT grp, qty % 10 FROM item);
