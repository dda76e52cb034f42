"""Conference management pages, one module per concern as in the services: calendars (the dashboard,
which is the home page, calendar views, .ics files, the private feed, preferences), scheduling (schedule,
series, who is who), items (action items, decision log), sharing (visibility, guest links and the guest
page, recap emails). Routes are in meetings/conference/urls.py."""

PAGE_SIZE = 50
