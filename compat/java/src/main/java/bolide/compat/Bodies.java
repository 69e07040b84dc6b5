package bolide.compat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Deterministic message bodies, identical in every client of the suite. */
final class Bodies {
    private static final byte[] ALPHABET = "abcdefghijklmnop".getBytes(StandardCharsets.US_ASCII);

    /**
     * Compressible content (16 letters driven by a 32-bit LCG), so the clients' compression path
     * above 4 KiB is used and a 4 MiB body stays under the broker's limit once compressed.
     */
    static byte[] text(int size, int seed) {
        byte[] b = new byte[size];
        int x = seed * (int) 2654435761L + 1;
        for (int i = 0; i < size; i++) {
            x = x * 1664525 + 1013904223;
            b[i] = ALPHABET[x >>> 28];
        }
        return b;
    }

    /** Incompressible content, so compression cannot sneak an over-limit body under the limit. */
    static byte[] noise(int size) {
        byte[] b = new byte[size];
        long x = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < size; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b[i] = (byte) x;
        }
        return b;
    }

    static String sha(byte[] body) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(body);
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always present", e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Bodies() {}
}
