"""Dict-, string- and JSON-heavy work for the Python test: many objects of
many sizes are created, resized and dropped, so the interpreter's memory
(which goes through malloc for everything above its small-object pools)
churns through every Warden tier. Output is deterministic: fixed seed, no
set iteration order, no addresses."""
import hashlib
import json
import random

rng = random.Random(20241122)
digest = hashlib.sha256()


def emit(label, value):
    line = f"{label}: {value}"
    digest.update(line.encode())
    print(line)


def word(n):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n))


# A big dict, rebuilt, filtered and merged.
table = {}
for i in range(150_000):
    table[f"k{i:06d}-{word(rng.randint(1, 12))}"] = [i, word(rng.randint(0, 40)), i * 0.5]
emit("dict size", len(table))
emit("dict key sample", sorted(table)[::25_000])
evens = {k: v for k, v in table.items() if v[0] % 2 == 0}
merged = {**evens, **{k.upper(): v[1] for k, v in list(table.items())[:50_000]}}
emit("merged size", len(merged))
for k in list(merged)[::3]:
    del merged[k]
emit("after deletes", len(merged))

# Strings: joins and splits of every length, from short to megabytes.
text = " ".join(word(rng.randint(1, 15)) for _ in range(200_000))
emit("text length", len(text))
parts = text.split(" ")
emit("parts", len(parts))
emit("longest word", max(parts, key=len))
joined = "|".join(reversed(parts))
emit("joined sha", hashlib.sha256(joined.encode()).hexdigest())
lines = [text[i:i + rng.randint(10, 5000)] for i in range(0, len(text), 3000)]
emit("line lengths", sum(map(len, lines)))
emit("upper count", sum(1 for p in parts if p.upper() != p))
counts = {}
for p in parts:
    counts[p[0]] = counts.get(p[0], 0) + 1
emit("first letters", sorted(counts.items()))
growing = ""
for i in range(20_000):
    growing += word(i % 7 + 1)
emit("grown string", hashlib.sha256(growing.encode()).hexdigest())

# JSON round trips of nested documents of growing size.
for size in (10, 1000, 30_000, 120_000):
    doc = {
        "id": size,
        "items": [{"n": i, "name": word(8), "tags": [word(3) for _ in range(i % 5)],
                   "score": round(rng.random() * 1000, 3)} for i in range(size)],
        "meta": {"nested": {"deep": [list(range(i % 10)) for i in range(min(size, 500))]}},
    }
    encoded = json.dumps(doc, sort_keys=True)
    decoded = json.loads(encoded)
    assert decoded == doc
    again = json.dumps(decoded, sort_keys=True, indent=1)
    emit(f"json {size}", (len(encoded), len(again), hashlib.sha256(again.encode()).hexdigest()[:16]))

# Sorting and grouping objects.
records = [(word(5), rng.randint(0, 1000), rng.random()) for _ in range(100_000)]
records.sort(key=lambda r: (r[1], r[0]))
emit("sorted head", records[:3])
groups = {}
for name, bucket, value in records:
    groups.setdefault(bucket % 50, []).append(name)
emit("groups", [(k, len(v)) for k, v in sorted(groups.items())][:10])

emit("total", digest.hexdigest())
