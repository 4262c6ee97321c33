"""编辑审核工作台: the browser front end (Django) over the same operations as the `portal` CLI.

Views call review.workflow (submit, decide, merge, queue), checks.runner and site_build.pages; nothing here
reviews, checks or builds on its own. The server repository's pre-receive hook stays the only gate.
"""
