#!/usr/bin/env python3
"""Where the bytes of a wasm file go: code size per crate (from the function names), the biggest
functions and the data segments. Reads a wasm that still has its `name` section, i.e. cargo's
output before wasm-bindgen and wasm-opt strip it:

    cargo build -p app --bin worker --target wasm32-unknown-unknown --profile wasm-release
    python3 bench/wasm/sizes.py target/wasm32-unknown-unknown/wasm-release/worker.wasm

Sizes are of the unoptimised-by-wasm-opt binary, so they are relative figures: which crate
weighs what, not the transfer size (bench/browser measures that).
"""

import re
import sys
from collections import Counter


def leb(data, pos):
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def name_of(data, pos):
    length, pos = leb(data, pos)
    return data[pos : pos + length].decode("utf-8", "replace"), pos + length


def sections(data):
    pos = 8
    while pos < len(data):
        section_id = data[pos]
        size, pos = leb(data, pos + 1)
        yield section_id, data[pos : pos + size]
        pos += size


def imported_functions(body):
    count, pos = leb(body, 0)
    functions = 0
    for _ in range(count):
        _, pos = name_of(body, pos)
        _, pos = name_of(body, pos)
        kind = body[pos]
        pos += 1
        if kind == 0:  # function: type index
            _, pos = leb(body, pos)
            functions += 1
        elif kind == 1:  # table: reftype, limits
            pos += 1
            flags, pos = leb(body, pos)
            _, pos = leb(body, pos)
            if flags & 1:
                _, pos = leb(body, pos)
        elif kind == 2:  # memory: limits
            flags, pos = leb(body, pos)
            _, pos = leb(body, pos)
            if flags & 1:
                _, pos = leb(body, pos)
        elif kind == 3:  # global: valtype, mutability
            pos += 2
        else:
            raise ValueError(f"import kind {kind}")
    return functions


def function_names(body):
    pos = 0
    names = {}
    while pos < len(body):
        sub_id = body[pos]
        size, pos = leb(body, pos + 1)
        end = pos + size
        if sub_id == 1:
            count, p = leb(body, pos)
            for _ in range(count):
                index, p = leb(body, p)
                names[index], p = name_of(body, p)
        pos = end
    return names


def demangle(name):
    """The crate of a Rust (legacy or v0-ish) or C symbol, good enough for grouping."""
    # A trait impl: `<Type as Trait>::method` is named after the type's crate.
    match = re.match(r"_ZN\d+_\$LT\$(?:\$RF\$)?(?:mut\$u20\$)?([A-Za-z_][A-Za-z0-9_]*)", name)
    if match:
        return match.group(1)
    match = re.match(r"_ZN(\d+)(\w+)", name)
    if match:
        length = int(match.group(1))
        crate = match.group(2)[:length]
        return re.sub(r"\.\.", "::", crate)
    if name.startswith("<"):
        match = re.match(r"<+(?:&(?:mut )?)?([A-Za-z_][A-Za-z0-9_]*)", name)
        if match:
            return match.group(1)
    match = re.match(r"([A-Za-z_][A-Za-z0-9_]*)::", name)
    if match:
        return match.group(1)
    return "(other)"


def main(path, top=25):
    data = open(path, "rb").read()
    imports = 0
    bodies = []
    names = {}
    data_bytes = 0
    for section_id, body in sections(data):
        if section_id == 2:
            imports = imported_functions(body)
        elif section_id == 10:
            count, pos = leb(body, 0)
            for _ in range(count):
                size, pos = leb(body, pos)
                bodies.append(size)
                pos += size
        elif section_id == 11:
            data_bytes = len(body)
        elif section_id == 0:
            name, pos = name_of(body, 0)
            if name == "name":
                names = function_names(body[pos:])
    per_crate = Counter()
    per_function = []
    for i, size in enumerate(bodies):
        name = names.get(imports + i, f"function {imports + i}")
        per_crate[demangle(name)] += size
        per_function.append((size, name))
    total = sum(bodies)
    print(f"{path}: {len(data) / 1024:.1f} KiB in all, code {total / 1024:.1f} KiB "
          f"({len(bodies)} functions), data {data_bytes / 1024:.1f} KiB")
    print("\ncode per crate (KiB):")
    for crate, size in per_crate.most_common(top):
        print(f"  {size / 1024:8.1f}  {crate}")
    print(f"\nbiggest functions (KiB):")
    for size, name in sorted(per_function, reverse=True)[:top]:
        print(f"  {size / 1024:8.1f}  {name[:150]}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: sizes.py FILE.wasm [TOP]")
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25)
