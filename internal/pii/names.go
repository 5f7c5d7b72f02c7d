package pii

// DefaultNames is the list of names a scanner uses when none is
// configured: common given names and surnames of the regions our sample
// data comes from, chosen to exclude everyday English words ("Mark",
// "Will", "May", "Grant" are left out on purpose).
var DefaultNames = []string{
	"Anna", "Maria", "Sophie", "Emma", "Olivia", "Laura", "Julia", "Sarah", "Lena", "Elena",
	"Hannah", "Lukas", "Jonas", "Leon", "Paul", "Felix", "Thomas", "Michael", "Andreas", "Stefan",
	"James", "John", "Robert", "David", "Richard", "Joseph", "Charles", "Daniel", "Matthew", "Anthony",
	"Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Karen", "Nancy",
	"Pierre", "Jean", "Camille", "Chloé", "Lucas", "Hugo", "Louis", "Giulia", "Marco", "Luca",
	"Pieter", "Jan", "Sanne", "Daan", "Fatima", "Mohammed", "Ahmed", "Aisha", "Priya", "Rahul",
	"Wei", "Yuki", "Hiroshi", "Olga", "Ivan", "Sven", "Ingrid", "Erik", "Carlos", "Lucía",
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Garcia", "Rodriguez", "Wilson",
	"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
	"Martin", "Bernard", "Dubois", "Durand", "Lefebvre", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi",
	"Jansen", "Visser", "Bakker", "Janssen", "Peeters", "Kowalski", "Nowak", "Novak", "Svensson", "Nielsen",
	"Tanaka", "Suzuki", "Kumar", "Sharma", "Singh", "Chen", "Wang", "Li", "Zhang", "Kim",
}
