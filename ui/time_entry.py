"""The display format of every date-and-time field a worker types into: the time first.

With the day name first ("Wed 2 Dec 2026 10:15"), Tab put the cursor in the day-name section, where
digits do nothing: a worker typing "13:40" saw no change and saved the default time. With the time
first, Tab lands in the hours and "13:40", "1340" or "7:40" are taken as typed; the day stays as shown
until changed (Right arrow, or the calendar).
"""

TIME_FIRST = "HH:mm, ddd d MMM yyyy"
TIME_FIRST_THIS_YEAR = "HH:mm, ddd d MMM"  # an escalation's action times: always within days of now
