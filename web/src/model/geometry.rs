//! Where things are drawn: nodes evenly spaced on a ring, messages part-way along the line
//! between two nodes. All in the SVG's own units (a square `VIEW_SIZE` wide).

/// Width and height of the cluster drawing, in SVG units.
pub const VIEW_SIZE: f64 = 440.0;
/// Radius of the ring the nodes sit on.
pub const RING_RADIUS: f64 = 160.0;
/// Radius of a node's shape.
pub const NODE_RADIUS: f64 = 36.0;
/// How far a message travels to the side of the straight line, so that a request and its
/// reply on the same link do not overlap.
pub const LANE_OFFSET: f64 = 7.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl Point {
    pub fn new(x: f64, y: f64) -> Point {
        Point { x, y }
    }
}

/// The centre of the drawing.
pub fn center() -> Point {
    Point::new(VIEW_SIZE / 2.0, VIEW_SIZE / 2.0)
}

/// The radius of a ring of `count` nodes. An even count puts a node at the very bottom, and
/// the label under it needs the room: that ring is a little smaller.
pub fn ring_radius(count: usize) -> f64 {
    if count % 2 == 0 {
        RING_RADIUS - 8.0
    } else {
        RING_RADIUS
    }
}

/// The position of the `index`-th of `count` nodes: the first at the top, then clockwise.
pub fn node_position(index: usize, count: usize) -> Point {
    let c = center();
    let r = ring_radius(count);
    let angle = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * index as f64 / count.max(1) as f64;
    Point::new(c.x + r * angle.cos(), c.y + r * angle.sin())
}

/// Positions of nodes `1..=count`, indexed by `id - 1`.
pub fn ring(count: usize) -> Vec<Point> {
    (0..count).map(|i| node_position(i, count)).collect()
}

/// Where a message is after `progress` (0 to 1) of its way from the edge of `from` to the
/// edge of `to`, shifted into its lane (to the right of its direction of travel).
pub fn message_position(from: Point, to: Point, progress: f64) -> Point {
    let (dx, dy) = (to.x - from.x, to.y - from.y);
    let len = (dx * dx + dy * dy).sqrt();
    if len < 1e-9 {
        return from;
    }
    let (ux, uy) = (dx / len, dy / len);
    let inset = NODE_RADIUS + 6.0;
    let travel = (len - 2.0 * inset).max(0.0);
    let along = inset + travel * progress.clamp(0.0, 1.0);
    // Screen y grows downwards, so (-uy, ux) points to the right of the direction.
    Point::new(from.x + ux * along - uy * LANE_OFFSET, from.y + uy * along + ux * LANE_OFFSET)
}

/// An SVG arc path for a ring of radius `r` around `c` covering `fraction` of a full turn,
/// starting at the top and running clockwise. Empty when there is nothing to draw.
pub fn arc_path(c: Point, r: f64, fraction: f64) -> String {
    let f = fraction.clamp(0.0, 1.0);
    if f <= 0.0 {
        return String::new();
    }
    if f >= 0.9999 {
        // A full circle as two half arcs (one arc cannot start and end at the same point).
        return format!(
            "M {:.2} {:.2} A {r:.2} {r:.2} 0 1 1 {:.2} {:.2} A {r:.2} {r:.2} 0 1 1 {:.2} {:.2}",
            c.x,
            c.y - r,
            c.x,
            c.y + r,
            c.x,
            c.y - r
        );
    }
    let angle = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * f;
    let (ex, ey) = (c.x + r * angle.cos(), c.y + r * angle.sin());
    let large = if f > 0.5 { 1 } else { 0 };
    format!("M {:.2} {:.2} A {r:.2} {r:.2} 0 {large} 1 {ex:.2} {ey:.2}", c.x, c.y - r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn first_node_is_at_the_top_and_nodes_go_clockwise() {
        let ring = ring(5);
        let c = center();
        assert!(close(ring[0].x, c.x) && close(ring[0].y, c.y - RING_RADIUS));
        // The second node is to the right of the first: clockwise on screen.
        assert!(ring[1].x > c.x);
        for p in &ring {
            let d = ((p.x - c.x).powi(2) + (p.y - c.y).powi(2)).sqrt();
            assert!(close(d, RING_RADIUS));
        }
    }

    #[test]
    fn a_leaders_label_under_the_bottom_node_stays_in_the_drawing() {
        for count in 1..=9 {
            let lowest = ring(count).iter().map(|p| p.y).fold(0.0, f64::max);
            // The leader's label sits 30 units under the shape's radius (ui/cluster.rs).
            assert!(lowest + NODE_RADIUS + 30.0 <= VIEW_SIZE, "{count} nodes: the label at {}", lowest + NODE_RADIUS + 30.0);
        }
    }

    #[test]
    fn messages_start_and_end_outside_the_nodes() {
        let (a, b) = (Point::new(0.0, 0.0), Point::new(200.0, 0.0));
        let start = message_position(a, b, 0.0);
        let end = message_position(a, b, 1.0);
        assert!(start.x > NODE_RADIUS && end.x < 200.0 - NODE_RADIUS);
        assert!(message_position(a, b, 0.5).x > start.x);
        // Progress outside [0, 1] is clamped.
        assert_eq!(message_position(a, b, 7.0), end);
    }

    #[test]
    fn request_and_reply_travel_in_different_lanes() {
        let (a, b) = (Point::new(0.0, 0.0), Point::new(200.0, 0.0));
        let there = message_position(a, b, 0.5);
        let back = message_position(b, a, 0.5);
        assert!(close((there.y - back.y).abs(), 2.0 * LANE_OFFSET));
    }

    #[test]
    fn arcs_cover_the_asked_fraction() {
        let c = Point::new(50.0, 50.0);
        assert_eq!(arc_path(c, 10.0, 0.0), "");
        assert!(arc_path(c, 10.0, 0.25).contains(" 0 0 1 60.00 50.00"));
        assert!(arc_path(c, 10.0, 0.75).contains(" 0 1 1 40.00 50.00"));
        assert_eq!(arc_path(c, 10.0, 1.0).matches(" A ").count(), 2);
    }
}
