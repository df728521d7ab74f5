"""The synthetic operator world: subscribers, fraud rings and hard negatives, as canonical tables."""

from fraudml.simulate.params import BEHAVIOURS, FRAUD_TYPES, PRESETS, ROLES, Behaviour, WorldParams
from fraudml.simulate.world import World, build_world, simulate

__all__ = ["BEHAVIOURS", "FRAUD_TYPES", "PRESETS", "ROLES", "Behaviour", "World", "WorldParams", "build_world", "simulate"]
