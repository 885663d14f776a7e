"""The public HTTP API, `/api/v1/`: rotations, who is on duty, shifts and calendar feeds."""
