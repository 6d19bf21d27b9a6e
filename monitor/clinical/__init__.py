"""Qt-free session domain: nurse entries, clinical scales, the infusion and its dose arithmetic."""
