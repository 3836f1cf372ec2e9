"""The Recurrent Attention Model (Mnih et al. 2014) on MNIST digits."""

from visrec.rl.ram.glimpse import GlimpseNetwork, glimpse_sensor
from visrec.rl.ram.model import RAMOutput, RecurrentAttention, ram_loss

__all__ = ["glimpse_sensor", "GlimpseNetwork", "RecurrentAttention", "RAMOutput", "ram_loss"]
