-- A 100k-row table built and queried by the sqlite3 shell. Rows come from a
-- recursive CTE with arithmetic only (no random()), so every run stores and
-- prints exactly the same data.
PRAGMA journal_mode = DELETE;
PRAGMA cache_size = -4000;

CREATE TABLE items (
  id INTEGER PRIMARY KEY,
  grp INTEGER NOT NULL,
  name TEXT NOT NULL,
  price REAL NOT NULL,
  note TEXT
);

WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100000)
INSERT INTO items (id, grp, name, price, note)
SELECT x,
       x % 97,
       'item-' || ((x * 7919) % 100003),
       ((x * 31337) % 100000) / 100.0,
       CASE WHEN x % 5 = 0 THEN NULL ELSE substr('abcdefghijklmnopqrstuvwxyz', 1 + x % 26) || x END
FROM n;

CREATE TABLE groups (grp INTEGER PRIMARY KEY, label TEXT);
WITH RECURSIVE g(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM g WHERE x < 96)
INSERT INTO groups SELECT x, 'group ' || printf('%03d', x) FROM g;

CREATE INDEX items_name ON items (name);
CREATE INDEX items_grp_price ON items (grp, price);

SELECT count(*), sum(price), min(name), max(name), count(note) FROM items;

SELECT g.label, count(*), round(avg(i.price), 4), max(i.price), group_concat(i.id % 10, '')
FROM items i JOIN groups g USING (grp)
GROUP BY g.label
ORDER BY g.label
LIMIT 20;

SELECT id, name, price FROM items WHERE name BETWEEN 'item-5000' AND 'item-5010' ORDER BY name, id;

SELECT grp, count(*) AS c FROM items WHERE price > 500 GROUP BY grp HAVING c > 520 ORDER BY c DESC, grp LIMIT 10;

SELECT length(group_concat(name, ',')) FROM (SELECT name FROM items ORDER BY price DESC, id LIMIT 5000);

UPDATE items SET note = upper(coalesce(note, 'none')) || '-' || grp WHERE id % 3 = 0;
DELETE FROM items WHERE id % 11 = 0;
SELECT count(*), count(DISTINCT note), sum(length(note)) FROM items;

SELECT a.grp, count(*)
FROM items a JOIN items b ON a.id = b.id + 1 AND a.grp = (b.grp + 1) % 97
GROUP BY a.grp ORDER BY a.grp LIMIT 5;

SELECT substr(name, 1, 6) AS prefix, count(*), round(sum(price), 2)
FROM items GROUP BY prefix ORDER BY prefix LIMIT 10;

SELECT id, price, rank() OVER (PARTITION BY grp ORDER BY price DESC, id) AS r
FROM items WHERE grp = 42 ORDER BY r LIMIT 5;

VACUUM;
PRAGMA integrity_check;
SELECT count(*) FROM items INDEXED BY items_name WHERE name LIKE 'item-9%';
