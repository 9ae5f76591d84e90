"""The position monitor and the emergency stop: exits that protect capital, always via the gate."""
