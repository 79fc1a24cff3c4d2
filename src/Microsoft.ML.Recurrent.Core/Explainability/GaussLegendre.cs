namespace Microsoft.ML.Recurrent.Explainability;

/// <summary>Gauss–Legendre quadrature on [0, 1]: exact for polynomials of degree below 2n.</summary>
internal static class GaussLegendre
{
    /// <summary>The n nodes in (0, 1), ascending, and their weights (summing to 1).</summary>
    public static (double[] Nodes, double[] Weights) Nodes(int n)
    {
        var nodes = new double[n];
        var weights = new double[n];
        for (int i = 0; i < (n + 1) / 2; i++)
        {
            // Newton's method on P_n from the Chebyshev-like first guess; converges in a few steps.
            double x = Math.Cos(Math.PI * (i + 0.75) / (n + 0.5)), derivative = 1;
            for (int iteration = 0; iteration < 100; iteration++)
            {
                (double p, derivative) = Legendre(n, x);
                double step = p / derivative;
                x -= step;
                if (Math.Abs(step) < 1e-15)
                {
                    break;
                }
            }
            (_, derivative) = Legendre(n, x);
            double w = 2 / ((1 - x * x) * derivative * derivative);
            // Map [-1, 1] to [0, 1]: node (1 + x) / 2, weight w / 2.
            nodes[i] = (1 - x) / 2;
            nodes[n - 1 - i] = (1 + x) / 2;
            weights[i] = weights[n - 1 - i] = w / 2;
        }
        return (nodes, weights);
    }

    // P_n(x) and P_n'(x) by the three-term recurrence.
    private static (double Value, double Derivative) Legendre(int n, double x)
    {
        double p0 = 1, p1 = x;
        if (n == 0)
        {
            return (1, 0);
        }
        for (int k = 2; k <= n; k++)
        {
            (p0, p1) = (p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k);
        }
        return (p1, n * (x * p1 - p0) / (x * x - 1));
    }
}
