"""Text to findings: normalise, shingle, sketch, index, verify and align, judge.

No I/O, no SQL, no click: every stage takes arrays or records and gives arrays or records, so
the same code runs in a scan, in a store and inside a distributed job.
"""
