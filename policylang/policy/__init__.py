"""The library's front door: find and load policies, a loaded policy, checking files, linked evaluation."""
