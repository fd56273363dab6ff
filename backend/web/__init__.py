"""The Flask edge: app factory and blueprints; each view parses, calls one service, answers."""
