"""GANs: the course's losses, DCGAN generator / discriminator, WGAN-GP penalty, the k:1 training step."""

from visrec.generative.gan.dcgan import (
    DCGANDiscriminator,
    DCGANGenerator,
    dcgan_discriminator,
    dcgan_generator,
    dcgan_plan,
)
from visrec.generative.gan.losses import (
    bce_loss,
    discriminator_loss,
    generator_loss,
    generator_loss_saturating,
    ls_discriminator_loss,
    ls_generator_loss,
    sample_noise,
    wgan_critic_loss,
    wgan_generator_loss,
)
from visrec.generative.gan.step import GAN_VARIANTS, gan_iteration
from visrec.generative.gan.wgan_gp import gradient_penalty, interpolate_real_fake

__all__ = [
    "GAN_VARIANTS",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "bce_loss",
    "dcgan_discriminator",
    "dcgan_generator",
    "dcgan_plan",
    "discriminator_loss",
    "gan_iteration",
    "generator_loss",
    "generator_loss_saturating",
    "gradient_penalty",
    "interpolate_real_fake",
    "ls_discriminator_loss",
    "ls_generator_loss",
    "sample_noise",
    "wgan_critic_loss",
    "wgan_generator_loss",
]
