"""The schedules domain's SQL: ``schedules`` loads definitions as core ``Schedule``s and
manages overrides, ``views`` answers who is on call, ``edits`` writes definitions through
the API, ``swaps`` records swap requests. The pure model is the package above."""
