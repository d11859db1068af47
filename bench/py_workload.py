"""A python3 workload heavy on dicts, strings and JSON, run under each allocator.

What it models: the glue code that most Python programs are, such as reading
records, reshaping them into dicts, formatting and parsing text, serializing
to and from JSON, counting and sorting. CPython serves objects up to 512
bytes from its own pools (pymalloc), so the allocator under test sees the
pool arenas, every larger string, list and dict table, and the JSON
buffers, which is how a real Python program uses malloc.

Deterministic: a fixed seed, no hashing of str into the output (the hash
seed varies), results folded with zlib.crc32. Prints "checksum <hex>".

Usage: python3 py_workload.py [ROUNDS]
"""
import json
import random
import sys
import zlib

WORDS = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike "
    "november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu"
).split()


def make_records(rng, n, base):
    records = []
    for i in range(n):
        words = [rng.choice(WORDS) for _ in range(rng.randint(2, 12))]
        records.append({
            "id": base + i,
            "name": "-".join(words[:3]).title(),
            "text": " ".join(words) * rng.randint(1, 8),
            "tags": sorted(set(rng.sample(WORDS, rng.randint(1, 6)))),
            "score": round(rng.random() * 1000, 3),
            "meta": {"owner": rng.choice(WORDS), "rev": rng.randint(0, 99),
                     "path": "/".join(rng.choice(WORDS) for _ in range(4))},
        })
    return records


def one_round(rng, r):
    records = make_records(rng, 1500, r * 10000)
    # Serialize, parse back, and check the round trip.
    blob = json.dumps(records)
    back = json.loads(blob)
    assert back == records
    lines = [json.dumps(rec, sort_keys=True) for rec in back]
    # Word counts over all the text.
    counts = {}
    for rec in back:
        for w in rec["text"].split():
            counts[w] = counts.get(w, 0) + 1
    # Group by tag, index by name, build report strings.
    by_tag = {}
    for rec in back:
        for t in rec["tags"]:
            by_tag.setdefault(t, []).append(rec["id"])
    index = {rec["name"] + str(rec["id"]): rec for rec in back}
    report = []
    for key in sorted(index)[:: 7]:
        rec = index[key]
        report.append("%s|%08.3f|%s|%s" % (key, rec["score"], ",".join(rec["tags"]),
                                          rec["meta"]["path"].upper()))
    text = "\n".join(report).replace("|", " : ")
    top = sorted(back, key=lambda rec: (-rec["score"], rec["id"]))[:50]
    summary = {
        "counts": sorted(counts.items()),
        "tags": {t: len(v) for t, v in sorted(by_tag.items())},
        "top": [rec["id"] for rec in top],
        "report_len": len(text),
    }
    crc = zlib.crc32(json.dumps(summary, sort_keys=True).encode())
    for line in lines[:: 50]:
        crc = zlib.crc32(line.encode(), crc)
    return crc


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    rng = random.Random(20240611)
    crc = 0
    for r in range(rounds):
        crc = zlib.crc32(one_round(rng, r).to_bytes(4, "little"), crc)
    print("checksum %08x" % crc)


if __name__ == "__main__":
    main()
