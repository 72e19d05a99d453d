"""Prints one `N passed, N failed` line from JUnit XML reports (lit and pytest); exits 1 if any test failed or a
report is missing."""

import sys
import xml.etree.ElementTree as ET

passed = failed = 0
missing = []
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        missing.append(path)
        continue
    for case in root.iter("testcase"):
        if case.find("skipped") is not None:
            failed += 1  # a skipped test hides something missing: count it against the run
        elif case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        else:
            passed += 1
for path in missing:
    print(f"missing test report {path}: that test runner did not finish")
    failed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
