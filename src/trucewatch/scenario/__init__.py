"""Synthetic truces with ground truth, and evaluation of findings against that truth."""
