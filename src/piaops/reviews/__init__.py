"""The yearly 見直し of each assessment report: 変更の候補 from piaops's own records, the reviewer's decision per
candidate, the recomputed しきい値判断, and the signature that freezes the review."""
