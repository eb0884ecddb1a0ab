"""Writes the functions that callgrind profiles saw executed, in the order each was first seen,
for lld's --symbol-ordering-file (see scripts/order-functions).

Only functions the linker can move on their own are listed: those compiled into a section of
their own (.text.NAME, -function-sections) in the objects given, and named once in the binary.
Listing a function that sits in a shared .text section would move that whole section (the Swift
runtime's is 1.6 MB) to the front and spread the hot code out again.

usage: order_functions.py BINARY OBJECT_LIST PROFILE...
"""
import re
import subprocess
import sys


def own_sections(paths):
    names = set()
    for path in paths:
        listing = subprocess.run(["readelf", "-SW", path], capture_output=True, text=True).stdout
        names.update(match.group(1) for match in re.finditer(r"\] \.text\.(\S+)", listing))
    return names


def defined_once(binary):
    counts = {}
    listing = subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True).stdout
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] in "tTwW":
            counts[fields[2]] = counts.get(fields[2], 0) + 1
    return {name for name, count in counts.items() if count == 1}


def executed(profiles):
    order, seen = [], set()
    for profile in profiles:
        names = {}
        with open(profile) as lines:
            for line in lines:
                match = re.match(r"c?fn=\((\d+)\) (.+)$", line.rstrip("\n"))
                if match:
                    names[int(match.group(1))] = match.group(2)
        for number in sorted(names):  # callgrind numbers functions as it first meets them
            if names[number] not in seen:
                seen.add(names[number])
                order.append(names[number])
    return order


def main():
    binary, object_list, profiles = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(object_list) as lines:
        objects = [line.strip() for line in lines if line.strip()]
    movable = own_sections(objects) & defined_once(binary)
    # Merged helpers (…Tm, __swift_…) can be kept from a copy in a shared section.
    hot = [name for name in executed(profiles)
           if name in movable and not name.endswith("Tm") and not name.startswith("__swift_")]
    sys.stdout.write("".join(name + "\n" for name in hot))
    print(f"order_functions: {len(hot)} functions", file=sys.stderr)


if __name__ == "__main__":
    main()
