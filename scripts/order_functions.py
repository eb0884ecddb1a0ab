"""Writes the linker script that places the functions traced runs executed first, in the order
each first ran (see scripts/order-functions and Package.swift's releaseLink).

The script adds an output section, .text.hot, before .text. It takes input sections by name:
a function compiled into a section of its own (-function-sections) is in ".text.NAME", so a name
matches every such copy (a merged helper like objectdestroyTm has one in many objects) and never
a shared .text section that also holds the name, which would bring its whole section (the Swift
runtime's is 1.6 MB) to the front and spread the hot code out again. Functions without a symbol
(.text..L…, Swift's unnamed helpers: 11 KB in all) and static constructors (.text.startup) go
first, since no trace can name the former and every start runs the latter.

usage: order_functions.py TRACE... > link/hot-functions.lds
"""
import sys


def executed(traces):
    """Names in the order they first ran, across traces (scripts/trace_functions.py output)."""
    order, seen = [], set()
    for trace in traces:
        with open(trace) as lines:
            for name in (line.rstrip("\n") for line in lines):
                if name and name not in seen:
                    seen.add(name)
                    order.append(name)
    return order


def main():
    names = executed(sys.argv[1:])
    lines = ["/* Written by scripts/order-functions; see scripts/order_functions.py. */",
             "SECTIONS {", "  .text.hot : {", "    *(.text.startup .text.startup.*)", "    *(.text..L*)"]
    lines += [f'    *(".text.{name}")' for name in names]
    lines += ["  }", "} INSERT BEFORE .text;"]
    sys.stdout.write("\n".join(lines) + "\n")
    print(f"order_functions: {len(names)} functions", file=sys.stderr)


if __name__ == "__main__":
    main()
